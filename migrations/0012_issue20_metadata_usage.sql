-- Managed-object metadata counts in tenant usage (docs/api.md#usage-and-quotas): each binary's name,
-- type and fragments as stored (their UTF-8 bytes) in `metadata_bytes`, kept by the same triggers as
-- the file bytes, inside the statement that changes the row. Before, a tenant could store unbounded
-- metadata (zero-byte binaries with 64 KiB of fragments each) under any quota.
ALTER TABLE `tenant_usage` ADD `metadata_bytes` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
UPDATE `tenant_usage` SET `metadata_bytes` = (
	SELECT COALESCE(SUM(length(CAST(b.`name` AS BLOB)) + length(CAST(b.`type` AS BLOB))
		+ COALESCE(length(CAST(b.`fragments` AS BLOB)), 0)), 0)
	FROM `binaries` b WHERE b.`tenant` = `tenant_usage`.`tenant`);
--> statement-breakpoint
DROP TRIGGER `binaries_usage_insert`;
--> statement-breakpoint
DROP TRIGGER `binaries_usage_update`;
--> statement-breakpoint
DROP TRIGGER `binaries_usage_delete`;
--> statement-breakpoint
CREATE TRIGGER `binaries_usage_insert` AFTER INSERT ON `binaries` BEGIN
	INSERT OR IGNORE INTO `tenant_usage` (`tenant`) VALUES (NEW.`tenant`);
	UPDATE `tenant_usage` SET `stored_bytes` = `stored_bytes` + NEW.`length`, `binaries` = `binaries` + 1,
		`metadata_bytes` = `metadata_bytes` + length(CAST(NEW.`name` AS BLOB)) + length(CAST(NEW.`type` AS BLOB))
			+ COALESCE(length(CAST(NEW.`fragments` AS BLOB)), 0)
		WHERE `tenant` = NEW.`tenant`;
END;
--> statement-breakpoint
CREATE TRIGGER `binaries_usage_update` AFTER UPDATE OF `length`, `name`, `type`, `fragments` ON `binaries` BEGIN
	UPDATE `tenant_usage` SET `stored_bytes` = `stored_bytes` - OLD.`length` + NEW.`length`,
		`metadata_bytes` = `metadata_bytes`
			- length(CAST(OLD.`name` AS BLOB)) - length(CAST(OLD.`type` AS BLOB))
			- COALESCE(length(CAST(OLD.`fragments` AS BLOB)), 0)
			+ length(CAST(NEW.`name` AS BLOB)) + length(CAST(NEW.`type` AS BLOB))
			+ COALESCE(length(CAST(NEW.`fragments` AS BLOB)), 0)
		WHERE `tenant` = NEW.`tenant`;
END;
--> statement-breakpoint
CREATE TRIGGER `binaries_usage_delete` AFTER DELETE ON `binaries` BEGIN
	UPDATE `tenant_usage` SET `stored_bytes` = `stored_bytes` - OLD.`length`, `binaries` = `binaries` - 1,
		`metadata_bytes` = `metadata_bytes` - length(CAST(OLD.`name` AS BLOB)) - length(CAST(OLD.`type` AS BLOB))
			- COALESCE(length(CAST(OLD.`fragments` AS BLOB)), 0)
		WHERE `tenant` = OLD.`tenant`;
END;
