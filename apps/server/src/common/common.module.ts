import { Global, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Clock } from './clock';
import { JobRuns } from './job-runs';

/**
 * What every module shares, in the server and in the CLI alike: the clock, the in-process
 * event emitter through which a module tells others of a change (e.g. a deleted key) without
 * depending on them, and the scheduled jobs' last runs (`JobRuns`, read by /metrics). The HTTP request pipeline (guard, pipe, filter) is in app.module.ts.
 */
@Global()
@Module({
  imports: [EventEmitterModule.forRoot()],
  providers: [Clock, JobRuns],
  exports: [Clock, JobRuns],
})
export class CommonModule {}
