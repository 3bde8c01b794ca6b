CREATE TABLE `uploads` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant` text NOT NULL,
	`owner` text NOT NULL,
	`created_ms` integer NOT NULL,
	`expires_ms` integer NOT NULL,
	`length` integer,
	`received` integer NOT NULL,
	`part_size` integer NOT NULL,
	`parts` text NOT NULL,
	`next_part` integer NOT NULL,
	`r2_key` text NOT NULL,
	`multipart_id` text,
	`tail_key` text,
	`tail_length` integer NOT NULL,
	`digests` text NOT NULL,
	`binary_id` integer,
	`replace` integer NOT NULL,
	`if_match` text,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`content_type` text NOT NULL,
	`fragments` text NOT NULL,
	`metadata` text,
	`lock_token` text,
	`lock_until_ms` integer NOT NULL,
	`completed_ms` integer
);
--> statement-breakpoint
CREATE INDEX `uploads_by_owner` ON `uploads` (`tenant`,`owner`,`created_ms`);--> statement-breakpoint
CREATE INDEX `uploads_by_expiry` ON `uploads` (`expires_ms`);
