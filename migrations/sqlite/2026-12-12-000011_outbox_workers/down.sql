DROP TABLE outbox_workers;
