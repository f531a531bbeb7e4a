export { ScimError, isScimError, SCIM_ERROR_SCHEMA } from './scim-error';
export type { ScimType, ScimErrorBody } from './scim-error';

export {
  CORE_USER_SCHEMA,
  CORE_GROUP_SCHEMA,
  ENTERPRISE_USER_SCHEMA,
  LIST_RESPONSE_SCHEMA,
  PATCH_OP_SCHEMA,
  CORE_USER_ATTRIBUTES,
  ENTERPRISE_USER_ATTRIBUTES,
  USER_SCHEMAS,
  CORE_GROUP_ATTRIBUTES,
  GROUP_SCHEMAS,
  MAX_STRING_LENGTH,
  MAX_BINARY_LENGTH,
  MAX_MULTI_VALUED_ELEMENTS,
  MAX_PATCH_OPERATIONS,
  lookupAttribute,
  definitionOf,
  pathToString,
} from './user.schema';
export type {
  AttributeDefinition,
  AttributePath,
  AttributeType,
  Mutability,
  Returned,
  Uniqueness,
  SchemaDefinition,
  AttributeLookup,
  ResolvedAttribute,
} from './user.schema';

export {
  SCHEMA_SCHEMA,
  RESOURCE_TYPE_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA,
  listResponse,
  cursorListResponse,
  schemaDocument,
  schemasListResponse,
  resourceTypeDocument,
  resourceTypes,
  serviceProviderConfig,
} from './discovery';
export type { CursorListResponse, ListResponse, ServiceProviderConfigOptions } from './discovery';

export { filterToString } from './filter.ast';
export type { FilterNode, FilterValue, CompareOperator } from './filter.ast';
export { parseFilter, MAX_FILTER_LENGTH, MAX_FILTER_DEPTH, MAX_FILTER_TERMS } from './filter.parser';
export { evaluateFilter } from './filter.evaluate';
export { filterToSql, sortToSql, escapeLike } from './filter.sql';
export type { SqlMapping, MultiValuedSqlMapping, SqlColumn, SqlFragment, SqlParam, SortOrder } from './filter.sql';
export { parseDateTime, toSqlDateTime } from './datetime';

export { parseUserInput, buildUserResource } from './user.resource';
export type {
  ScimUserInput,
  ScimName,
  ScimMultiValue,
  ScimAddress,
  ScimManager,
  ScimEnterpriseUser,
  UserInputMode,
  UserResourceMeta,
} from './user.resource';
export { applyUserPatch } from './user.patch';

export { projectResource, projectionShows } from './projection';
export type { ProjectionOptions } from './projection';
export { parseListQuery } from './list-query';
export type { ListQuery, ListQueryOptions } from './list-query';
export { parseGroupInput, parseGroupPatch, buildGroupResource, MAX_MEMBERS_PER_REQUEST } from './group.resource';
export type { GroupInput, GroupChange, GroupResourceInput } from './group.resource';
export {
  assertText,
  codePointName,
  describeTextProblem,
  findLoneSurrogate,
  findTextProblem,
  hasDirectionalFormatting,
} from './text';
export type { TextKind, TextProblem } from './text';
export {
  MAX_RECORDED_BODY_BYTES,
  REDACTED,
  RedactionRules,
  compileRedactionRules,
  cutBody,
  redactScimBody,
  redactScimQuery,
  redactScimText,
  scimClientOf,
} from './inspection';
export type { ScimClient } from './inspection';
