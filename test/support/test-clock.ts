import { Clock } from '../../apps/server/src/common/clock';

/** A clock the test moves by hand (the only thing tests replace). */
export class TestClock extends Clock {
  private current: Date | null = null;

  override now(): Date {
    return this.current ? new Date(this.current) : new Date();
  }

  set(date: Date | string): void {
    this.current = new Date(date);
  }

  advance(ms: number): void {
    this.current = new Date(this.now().getTime() + ms);
  }

  reset(): void {
    this.current = null;
  }
}
