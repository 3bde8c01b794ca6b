-- Issue 21: a resumable upload belongs to a user who cannot be re-created. Every user gets a random
-- `uid` (new users from userValues); an upload records its owner's uid, and only that user sees it.
-- Existing users get a random uid here; existing uploads take the uid of the user of their owner
-- name (an upload whose user is already gone gets '' and belongs to nobody until it expires).
DROP INDEX `uploads_by_owner`;--> statement-breakpoint
ALTER TABLE `uploads` ADD `owner_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX `uploads_by_owner_id` ON `uploads` (`owner_id`,`created_ms`);--> statement-breakpoint
ALTER TABLE `users` ADD `uid` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `users` SET `uid` = lower(hex(randomblob(16))) WHERE `uid` = '';--> statement-breakpoint
UPDATE `uploads` SET `owner_id` = COALESCE(
	(SELECT `uid` FROM `users` WHERE `users`.`tenant` = `uploads`.`tenant` AND `users`.`user_name` = `uploads`.`owner`),
	''
);
