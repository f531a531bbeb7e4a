import { ApiProperty } from '@nestjs/swagger';
import type {
  AuditActorView,
  DeletedUserPage,
  DeletedUserView,
  DeprovisioningIncidentList,
  DeprovisioningIncidentView,
  IncidentStatus,
  IncidentUndoResult,
} from '@app/api-types';

const ACTOR_EXAMPLE = { type: 'scim-key', keyId: '3', maskedKey: 'torii_scim_…a1b2', description: 'Okta' };

export class DeletedUserResponse implements DeletedUserView {
  @ApiProperty() id: string;
  @ApiProperty() userName: string;
  @ApiProperty({ nullable: true, type: String }) displayName: string | null;
  @ApiProperty({ format: 'date-time' }) deletedAt: string;
  @ApiProperty({ description: 'Who deleted it, as the audit log names actors.', example: ACTOR_EXAMPLE })
  deletedBy: AuditActorView;
  @ApiProperty({ format: 'date-time', description: 'When the purge removes it for good (DELETED_USER_RETENTION_DAYS).' })
  purgeAt: string;
}

export class DeletedUserPageResponse implements DeletedUserPage {
  @ApiProperty({ type: [DeletedUserResponse] }) users: DeletedUserResponse[];
  @ApiProperty() count: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

class IncidentUserResponse {
  @ApiProperty() id: string;
  @ApiProperty() userName: string;
  @ApiProperty({ enum: ['deactivated', 'deleted'], description: 'Its latest change in the incident.' })
  change: 'deactivated' | 'deleted';
  @ApiProperty({ format: 'date-time' }) at: string;
}

class IncidentKeyResponse {
  @ApiProperty() id: string;
  @ApiProperty() maskedKey: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
}

export class DeprovisioningIncidentResponse implements DeprovisioningIncidentView {
  @ApiProperty() id: string;
  @ApiProperty({ format: 'date-time' }) openedAt: string;
  @ApiProperty({ format: 'date-time', description: 'Its latest deactivation or deletion.' }) lastAt: string;
  @ApiProperty({ enum: ['open', 'undone', 'dismissed'] }) status: IncidentStatus;
  @ApiProperty({ description: 'Users deactivated or deleted in it.' }) count: number;
  @ApiProperty({ nullable: true, type: String, description: 'The SCIM key whose request opened it.' }) keyId: string | null;
  @ApiProperty({ nullable: true, type: IncidentKeyResponse }) key: IncidentKeyResponse | null;
  @ApiProperty({ type: [IncidentUserResponse] }) users: IncidentUserResponse[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) closedAt: string | null;
  @ApiProperty({
    nullable: true,
    example: { type: 'api-key', keyId: '1', maskedKey: 'torii_api_…c3d4', description: 'Settings' },
  })
  closedBy: AuditActorView | null;
}

export class DeprovisioningIncidentListResponse implements DeprovisioningIncidentList {
  @ApiProperty({ type: [DeprovisioningIncidentResponse] }) incidents: DeprovisioningIncidentResponse[];
}

class RestoredUserResponse {
  @ApiProperty() id: string;
  @ApiProperty() userName: string;
}

class NotRestoredUserResponse extends RestoredUserResponse {
  @ApiProperty({ description: 'Why it was not put back, in a sentence.' }) reason: string;
}

export class IncidentUndoResponse implements IncidentUndoResult {
  @ApiProperty({ type: DeprovisioningIncidentResponse }) incident: DeprovisioningIncidentResponse;
  @ApiProperty({ type: [RestoredUserResponse] }) restored: RestoredUserResponse[];
  @ApiProperty({ type: [NotRestoredUserResponse] }) notRestored: NotRestoredUserResponse[];
}
