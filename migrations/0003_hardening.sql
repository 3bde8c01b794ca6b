-- R2 multipart uploads in progress, so ones left by a crash can be aborted (the binding cannot list them).
-- Generic: `purpose` says which feature owns the upload ('binary' for POST/PUT bodies).
CREATE TABLE `multipart_uploads` (
	`upload_id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`purpose` text NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `multipart_uploads_by_key` ON `multipart_uploads` (`key`);--> statement-breakpoint
CREATE INDEX `multipart_uploads_by_age` ON `multipart_uploads` (`purpose`,`created_at_ms`);--> statement-breakpoint
-- Keys the orphan sweep has claimed for deletion; a row may no longer be committed pointing at one.
CREATE TABLE `swept_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`swept_at_ms` integer NOT NULL
);
--> statement-breakpoint
-- Recently deleted tenant ids, which are not handed out again for a while.
CREATE TABLE `deleted_tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`deleted_at_ms` integer NOT NULL
);
--> statement-breakpoint
-- The bootstrap admin is created once; a database that already has users has had it.
INSERT INTO `counters` (`name`, `value`) SELECT 'bootstrapAdmin', 1 WHERE EXISTS (SELECT 1 FROM `users`);
