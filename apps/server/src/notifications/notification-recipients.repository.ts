import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { NotificationRecipient } from './notification-recipient.entity';

/** Every statement on `notification_recipients`. */
@Injectable()
export class NotificationRecipientsRepository {
  constructor(@InjectRepository(NotificationRecipient) private readonly recipients: Repository<NotificationRecipient>) {}

  /** The organization's addresses in the order they were given. */
  async list(organizationId: number, manager: EntityManager = this.recipients.manager): Promise<string[]> {
    const rows = await manager.find(NotificationRecipient, {
      select: ['id', 'email'],
      where: { organizationId },
      order: { id: 'ASC' },
    });
    return rows.map((r) => r.email);
  }

  /** Replaces the organization's addresses, inside the caller's transaction (which holds the organization's lock). */
  async replace(manager: EntityManager, organizationId: number, emails: readonly string[], now: Date): Promise<void> {
    await manager.delete(NotificationRecipient, { organizationId });
    if (!emails.length) return;
    await manager.insert(
      NotificationRecipient,
      emails.map((email) => ({ organizationId, email, emailLower: email.toLowerCase(), createdAt: now })),
    );
  }
}
