DROP INDEX IF EXISTS public_notices_incident;
DROP TABLE public_notices;
