import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { Clock } from '../common/clock';
import { openCursor, sealCursor } from './cursor-seal';
import { ServerSecretsRepository } from './server-secrets.repository';

const SECRET_NAME = 'cursor-hmac';

/**
 * The key that seals the cursors of every list (admin API and SCIM): one secret of 256 bits,
 * generated once and kept in the database, so a cursor given by one instance opens on every other
 * instance sharing it. Read once at start (after the migrations); sealing and opening a cursor are
 * then an HMAC over a few bytes in memory, no database read. The key stays in this object: never
 * logged, never returned.
 */
@Injectable()
export class CursorKey implements OnApplicationBootstrap {
  private key?: KeyObject;

  constructor(
    private readonly secrets: ServerSecretsRepository,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const value = await this.secrets.findOrCreate(SECRET_NAME, randomBytes(32).toString('base64url'), this.clock.now());
    this.key = createSecretKey(Buffer.from(value, 'base64url'));
  }

  /** A cursor of these numbers, for this scope (which list of which organization, which query). */
  seal(scope: string, fields: readonly number[]): string {
    return sealCursor(this.loaded(), scope, fields);
  }

  /** The numbers of a cursor this installation sealed for this scope; null for any other string. */
  open(scope: string, cursor: string): number[] | null {
    return openCursor(this.loaded(), scope, cursor);
  }

  private loaded(): KeyObject {
    if (!this.key) throw new Error('The cursor key is read when the application starts; nothing pages before that.');
    return this.key;
  }
}
