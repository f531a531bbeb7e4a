/** Emitted (synchronously) when an organization's SCIM switch changes; the auth module drops cached verifications. */
export const SCIM_TOGGLED = 'organization.scim-toggled';

export interface ScimToggledEvent {
  organizationId: number;
  scimEnabled: boolean;
}
