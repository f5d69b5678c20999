-- The rules written as comparison chains mean the same as the IN lists: nothing to undo.
SELECT 1;
