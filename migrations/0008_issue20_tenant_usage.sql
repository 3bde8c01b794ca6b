-- Per-tenant usage and storage quota (docs/api.md#usage-and-quotas). One row per tenant, in the
-- tenant's own database: it moves with the tenant. Kept exact by the triggers below, which run inside
-- the very statement that changes a binary or an upload (so inside its batch): no write can change
-- usage without the row following, and no extra statement or round trip is needed.
CREATE TABLE `tenant_usage` (
	`tenant` text PRIMARY KEY NOT NULL,
	`storage_quota` integer,
	`stored_bytes` integer DEFAULT 0 NOT NULL,
	`binaries` integer DEFAULT 0 NOT NULL,
	`upload_received_bytes` integer DEFAULT 0 NOT NULL,
	`upload_reserved_bytes` integer DEFAULT 0 NOT NULL,
	`uploads` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
INSERT INTO `tenant_usage` (`tenant`) SELECT `id` FROM `tenants`;
--> statement-breakpoint
INSERT OR IGNORE INTO `tenant_usage` (`tenant`) SELECT DISTINCT `tenant` FROM `binaries`;
--> statement-breakpoint
INSERT OR IGNORE INTO `tenant_usage` (`tenant`) SELECT DISTINCT `tenant` FROM `uploads` WHERE `completed_ms` IS NULL;
--> statement-breakpoint
UPDATE `tenant_usage` SET
	`stored_bytes` = (SELECT COALESCE(SUM(`length`), 0) FROM `binaries` b WHERE b.`tenant` = `tenant_usage`.`tenant`),
	`binaries` = (SELECT COUNT(*) FROM `binaries` b WHERE b.`tenant` = `tenant_usage`.`tenant`),
	`upload_received_bytes` = (SELECT COALESCE(SUM(`received`), 0) FROM `uploads` u
		WHERE u.`tenant` = `tenant_usage`.`tenant` AND u.`completed_ms` IS NULL),
	`upload_reserved_bytes` = (SELECT COALESCE(SUM(COALESCE(`length`, `received`)), 0) FROM `uploads` u
		WHERE u.`tenant` = `tenant_usage`.`tenant` AND u.`completed_ms` IS NULL),
	`uploads` = (SELECT COUNT(*) FROM `uploads` u WHERE u.`tenant` = `tenant_usage`.`tenant` AND u.`completed_ms` IS NULL);
--> statement-breakpoint
CREATE TRIGGER `binaries_usage_insert` AFTER INSERT ON `binaries` BEGIN
	INSERT OR IGNORE INTO `tenant_usage` (`tenant`) VALUES (NEW.`tenant`);
	UPDATE `tenant_usage` SET `stored_bytes` = `stored_bytes` + NEW.`length`, `binaries` = `binaries` + 1
		WHERE `tenant` = NEW.`tenant`;
END;
--> statement-breakpoint
CREATE TRIGGER `binaries_usage_update` AFTER UPDATE OF `length` ON `binaries` WHEN OLD.`length` != NEW.`length` BEGIN
	UPDATE `tenant_usage` SET `stored_bytes` = `stored_bytes` - OLD.`length` + NEW.`length` WHERE `tenant` = NEW.`tenant`;
END;
--> statement-breakpoint
CREATE TRIGGER `binaries_usage_delete` AFTER DELETE ON `binaries` BEGIN
	UPDATE `tenant_usage` SET `stored_bytes` = `stored_bytes` - OLD.`length`, `binaries` = `binaries` - 1
		WHERE `tenant` = OLD.`tenant`;
END;
--> statement-breakpoint
CREATE TRIGGER `uploads_usage_insert` AFTER INSERT ON `uploads` WHEN NEW.`completed_ms` IS NULL BEGIN
	INSERT OR IGNORE INTO `tenant_usage` (`tenant`) VALUES (NEW.`tenant`);
	UPDATE `tenant_usage` SET
		`upload_received_bytes` = `upload_received_bytes` + NEW.`received`,
		`upload_reserved_bytes` = `upload_reserved_bytes` + COALESCE(NEW.`length`, NEW.`received`),
		`uploads` = `uploads` + 1
		WHERE `tenant` = NEW.`tenant`;
END;
--> statement-breakpoint
CREATE TRIGGER `uploads_usage_update` AFTER UPDATE ON `uploads` BEGIN
	UPDATE `tenant_usage` SET
		`upload_received_bytes` = `upload_received_bytes`
			- (CASE WHEN OLD.`completed_ms` IS NULL THEN OLD.`received` ELSE 0 END)
			+ (CASE WHEN NEW.`completed_ms` IS NULL THEN NEW.`received` ELSE 0 END),
		`upload_reserved_bytes` = `upload_reserved_bytes`
			- (CASE WHEN OLD.`completed_ms` IS NULL THEN COALESCE(OLD.`length`, OLD.`received`) ELSE 0 END)
			+ (CASE WHEN NEW.`completed_ms` IS NULL THEN COALESCE(NEW.`length`, NEW.`received`) ELSE 0 END),
		`uploads` = `uploads`
			- (CASE WHEN OLD.`completed_ms` IS NULL THEN 1 ELSE 0 END)
			+ (CASE WHEN NEW.`completed_ms` IS NULL THEN 1 ELSE 0 END)
		WHERE `tenant` = NEW.`tenant`;
END;
--> statement-breakpoint
CREATE TRIGGER `uploads_usage_delete` AFTER DELETE ON `uploads` WHEN OLD.`completed_ms` IS NULL BEGIN
	UPDATE `tenant_usage` SET
		`upload_received_bytes` = `upload_received_bytes` - OLD.`received`,
		`upload_reserved_bytes` = `upload_reserved_bytes` - COALESCE(OLD.`length`, OLD.`received`),
		`uploads` = `uploads` - 1
		WHERE `tenant` = OLD.`tenant`;
END;
