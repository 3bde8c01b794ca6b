CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant` text NOT NULL,
	`user_name` text NOT NULL,
	`password_stamp` text NOT NULL,
	`created_ms` integer NOT NULL,
	`expires_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_by_user` ON `sessions` (`tenant`,`user_name`);--> statement-breakpoint
CREATE INDEX `sessions_by_expiry` ON `sessions` (`expires_ms`);
