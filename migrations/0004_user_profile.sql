-- Users can be disabled (a disabled user gets 401 everywhere) and carry the profile fields of
-- Cumulocity's user and currentUser representations.
ALTER TABLE `users` ADD `enabled` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `first_name` text;--> statement-breakpoint
ALTER TABLE `users` ADD `last_name` text;--> statement-breakpoint
ALTER TABLE `users` ADD `phone` text;--> statement-breakpoint
ALTER TABLE `users` ADD `last_password_change` text;
