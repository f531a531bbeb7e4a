import { Injectable } from '@nestjs/common';

/**
 * The time source of every rule that depends on "now" (key expiry, reminder
 * windows, lastUsedAt). Tests replace it with a controllable clock.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
