CREATE TABLE `login_failures` (
	`login` text PRIMARY KEY NOT NULL,
	`failures` integer NOT NULL,
	`first_failure_ms` integer NOT NULL,
	`blocked_until_ms` integer NOT NULL
);
