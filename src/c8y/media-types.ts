/** Cumulocity media types of the API's JSON bodies (docs/api.md#media-types). */
export const MANAGED_OBJECT_MEDIA_TYPE = "application/vnd.com.nsn.cumulocity.managedObject+json;charset=UTF-8;ver=0.9";
export const COLLECTION_MEDIA_TYPE =
  "application/vnd.com.nsn.cumulocity.managedObjectCollection+json;charset=UTF-8;ver=0.9";
export const USER_MEDIA_TYPE = "application/vnd.com.nsn.cumulocity.user+json;charset=UTF-8;ver=0.9";
export const USER_COLLECTION_MEDIA_TYPE =
  "application/vnd.com.nsn.cumulocity.userCollection+json;charset=UTF-8;ver=0.9";
export const ROLE_REFERENCE_MEDIA_TYPE = "application/vnd.com.nsn.cumulocity.roleReference+json;charset=UTF-8;ver=0.9";
export const ROLE_COLLECTION_MEDIA_TYPE =
  "application/vnd.com.nsn.cumulocity.roleCollection+json;charset=UTF-8;ver=0.9";
/** GET /tenant/statistics/summary (docs/api.md#usage-and-quotas). */
export const USAGE_SUMMARY_MEDIA_TYPE =
  "application/vnd.com.nsn.cumulocity.tenantusagestatisticssummary+json;charset=UTF-8;ver=0.9";
export const TENANT_MEDIA_TYPE = "application/vnd.com.nsn.cumulocity.tenant+json;charset=UTF-8;ver=0.9";
export const TENANT_COLLECTION_MEDIA_TYPE =
  "application/vnd.com.nsn.cumulocity.tenantCollection+json;charset=UTF-8;ver=0.9";
export const CURRENT_TENANT_MEDIA_TYPE = "application/vnd.com.nsn.cumulocity.currentTenant+json;charset=UTF-8;ver=0.9";
export const PLATFORM_API_MEDIA_TYPE = "application/vnd.com.nsn.cumulocity.platformApi+json;charset=UTF-8;ver=0.9";
export const INVENTORY_API_MEDIA_TYPE = "application/vnd.com.nsn.cumulocity.inventoryApi+json;charset=UTF-8;ver=0.9";
export const CURRENT_USER_MEDIA_TYPE = "application/vnd.com.nsn.cumulocity.currentUser+json;charset=UTF-8;ver=0.9";
export const LOGIN_OPTION_COLLECTION_MEDIA_TYPE =
  "application/vnd.com.nsn.cumulocity.loginOptionCollection+json;charset=UTF-8;ver=0.9";
export const MANAGED_OBJECT_REFERENCE_COLLECTION_MEDIA_TYPE =
  "application/vnd.com.nsn.cumulocity.managedObjectReferenceCollection+json;charset=UTF-8;ver=0.9";
