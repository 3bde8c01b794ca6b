-- Managed object ids start above the small numbers so they read like Cumulocity's.
INSERT INTO `counters` (`name`, `value`) VALUES ('managedObjectId', 10000);
