CREATE TABLE `binaries` (
	`id` integer PRIMARY KEY NOT NULL,
	`tenant` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`owner` text NOT NULL,
	`creation_time` text NOT NULL,
	`last_updated` text NOT NULL,
	`content_type` text NOT NULL,
	`length` integer NOT NULL,
	`md5` text NOT NULL,
	`revpos` integer NOT NULL,
	`r2_key` text NOT NULL,
	`fragments` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `binaries_by_tenant` ON `binaries` (`tenant`,`id`);--> statement-breakpoint
CREATE INDEX `binaries_by_type` ON `binaries` (`tenant`,`type`,`id`);--> statement-breakpoint
CREATE INDEX `binaries_by_owner` ON `binaries` (`tenant`,`owner`,`id`);--> statement-breakpoint
CREATE INDEX `binaries_by_key` ON `binaries` (`r2_key`);--> statement-breakpoint
CREATE TABLE `counters` (
	`name` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`domain` text,
	`company` text,
	`creation_time` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`tenant` text NOT NULL,
	`user_name` text NOT NULL,
	`password_hash` text NOT NULL,
	`email` text,
	`roles` text DEFAULT '[]' NOT NULL,
	`creation_time` text NOT NULL,
	PRIMARY KEY(`tenant`, `user_name`)
);
--> statement-breakpoint
CREATE INDEX `users_by_name` ON `users` (`user_name`);