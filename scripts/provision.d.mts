// Types of scripts/provision.mjs for the TypeScript tests (test/e2e/provision.e2e.test.ts).
export interface PlannedShard {
  no: number;
  region: string;
  binding: string;
  database: string;
  location?: string;
  jurisdiction?: string;
}
export interface PlannedBucket {
  region: string;
  binding: string;
  bucket: string;
  location?: string;
  jurisdiction?: string;
}
export interface Plan {
  shards: PlannedShard[];
  buckets: PlannedBucket[];
  defaultRegion: string;
}
export const LOCATIONS: string[];
export const JURISDICTIONS: string[];
export const MIGRATION_CONFIG: string;
export function planOf(layout: unknown): Plan;
export function bindingsToml(plan: Plan, ids: Record<string, string>): string;
export function commandLine(args: string[]): string;
