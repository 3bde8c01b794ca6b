-- Issue 19: tenants spread over several D1 databases (shards). Every shard gets every table; the
-- directory table is only used in the directory database (binding DB, shard 0).
CREATE TABLE `tenant_directory` (
	`id` text PRIMARY KEY NOT NULL,
	`shard` integer NOT NULL,
	`region` text,
	`company` text,
	`domain` text,
	`creation_time` text NOT NULL,
	`state` text DEFAULT 'active' NOT NULL,
	`changed_ms` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tenant_directory_by_shard` ON `tenant_directory` (`shard`);
--> statement-breakpoint
-- A database that already held tenants (one D1 before shards) becomes shard 0 of the default region.
INSERT INTO `tenant_directory` (`id`, `shard`, `region`, `company`, `domain`, `creation_time`)
	SELECT `id`, 0, NULL, `company`, `domain`, `creation_time` FROM `tenants`;
--> statement-breakpoint
-- Binary ids become sequence * 1000 + shard number (unique across shards). The sequence starts past
-- every id handed out before, so old ids (10001, 10002, ...) never meet a new one.
INSERT INTO `counters` (`name`, `value`) VALUES
	('idSequence', MAX(1000000, COALESCE((SELECT `value` FROM `counters` WHERE `name` = 'managedObjectId'), 0) / 1000 + 1));
