/**
 * The platform's usage statistics summary (docs/api.md#usage-and-quotas), filled with what this
 * service counts exactly: `storageSize` is the bytes of the tenant's binaries and their metadata
 * (name, type, fragments; the platform's measures its database, metadata included); the platform's other
 * counters (devices, requests, alarms, …) are left out rather than invented. Our own counts are under
 * `c8y_BinaryStorage`, a fragment clients that do not know it ignore.
 */
export interface UsageFigures {
  storageQuota: number | null;
  storedBytes: number;
  binaries: number;
  uploadReceivedBytes: number;
  uploadReservedBytes: number;
  uploads: number;
  metadataBytes: number;
}

export function usageSummaryJson(usage: UsageFigures, day: string) {
  return {
    day,
    storageSize: usage.storedBytes + usage.metadataBytes,
    c8y_BinaryStorage: {
      storedBytes: usage.storedBytes,
      metadataBytes: usage.metadataBytes,
      binaries: usage.binaries,
      uploadBytes: usage.uploadReceivedBytes,
      uploadReservedBytes: usage.uploadReservedBytes,
      uploads: usage.uploads,
      usedBytes: usage.storedBytes + usage.metadataBytes + usage.uploadReservedBytes,
      storageQuota: usage.storageQuota,
    },
  };
}

/** One entry of GET /tenant/statistics/allTenantsSummary: the summary plus the tenant's identity. */
export function tenantSummaryJson(
  tenant: { id: string; company: string | null; domain: string | null; creationTime: string },
  usage: UsageFigures,
  day: string,
) {
  return {
    tenantId: tenant.id,
    tenantCompany: tenant.company ?? undefined,
    tenantDomain: tenant.domain ?? undefined,
    creationTime: tenant.creationTime,
    ...usageSummaryJson(usage, day),
  };
}
