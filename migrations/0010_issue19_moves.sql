-- Issue 19: moving a tenant between shards. While `moving` is 1 (its rows are being copied) or 2
-- (they were copied and the directory switched; the old copy waits to be removed), every write to
-- the tenant's rows in this shard fails with TENANT_MOVING (the service answers 503 + Retry-After),
-- so nothing written during a move is lost. Reads are not affected.
ALTER TABLE `tenants` ADD `moving` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
CREATE TRIGGER `binaries_insert_moving` BEFORE INSERT ON `binaries`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = NEW.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
--> statement-breakpoint
CREATE TRIGGER `binaries_update_moving` BEFORE UPDATE ON `binaries`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = OLD.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
--> statement-breakpoint
CREATE TRIGGER `binaries_delete_moving` BEFORE DELETE ON `binaries`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = OLD.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
--> statement-breakpoint
CREATE TRIGGER `uploads_insert_moving` BEFORE INSERT ON `uploads`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = NEW.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
--> statement-breakpoint
CREATE TRIGGER `uploads_update_moving` BEFORE UPDATE ON `uploads`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = OLD.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
--> statement-breakpoint
CREATE TRIGGER `uploads_delete_moving` BEFORE DELETE ON `uploads`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = OLD.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
--> statement-breakpoint
CREATE TRIGGER `users_insert_moving` BEFORE INSERT ON `users`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = NEW.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
--> statement-breakpoint
CREATE TRIGGER `users_update_moving` BEFORE UPDATE ON `users`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = OLD.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
--> statement-breakpoint
CREATE TRIGGER `users_delete_moving` BEFORE DELETE ON `users`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = OLD.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
--> statement-breakpoint
CREATE TRIGGER `sessions_insert_moving` BEFORE INSERT ON `sessions`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = NEW.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
--> statement-breakpoint
CREATE TRIGGER `sessions_delete_moving` BEFORE DELETE ON `sessions`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = OLD.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
--> statement-breakpoint
CREATE TRIGGER `tenant_usage_insert_moving` BEFORE INSERT ON `tenant_usage`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = NEW.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
--> statement-breakpoint
CREATE TRIGGER `tenant_usage_update_moving` BEFORE UPDATE ON `tenant_usage`
	WHEN (SELECT `moving` FROM `tenants` WHERE `id` = OLD.`tenant`) > 0
	BEGIN SELECT RAISE(ABORT, 'TENANT_MOVING'); END;
