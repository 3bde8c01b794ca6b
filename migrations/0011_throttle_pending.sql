-- Login throttle (docs/api.md#authentication-and-login-throttle): attempts in flight are counted apart from
-- failures, so parallel logins with the right password are no longer refused as if they had failed.
-- `pending`: attempts admitted whose password check has not ended; `last_attempt_ms`: when the last one was
-- admitted (marks left by a request cut off mid-check lapse after a quiet while). In every shard, like the table.
ALTER TABLE `login_failures` ADD `pending` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE `login_failures` ADD `last_attempt_ms` integer DEFAULT 0 NOT NULL;
