import { Global, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Clock } from './clock';

/**
 * What every module shares, in the server and in the CLI alike: the clock, and the in-process
 * event emitter through which a module tells others of a change (e.g. a deleted key) without
 * depending on them. The HTTP request pipeline (guard, pipe, filter) is in app.module.ts.
 */
@Global()
@Module({
  imports: [EventEmitterModule.forRoot()],
  providers: [Clock],
  exports: [Clock],
})
export class CommonModule {}
