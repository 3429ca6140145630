import { Module } from '@nestjs/common';

import { AccessModule } from '@gridllm/access';
import { RegistryModule } from '@gridllm/registry';
import { StreamingModule } from '@gridllm/streaming';

import { AffinityPlanner } from './affinity/affinity-planner';
import { AffinityStore } from './affinity/affinity-store';
import { AvailabilityBoard } from './availability-board';
import { FairShare } from './fair-share';
import { FairShareSettlement } from './fair-share-settlement';
import { FleetControl } from './fleet-control';
import { GatewayPresence } from './gateway-presence';
import { GridCapacity } from './grid-capacity';
import { JobInspector } from './job-inspector.service';
import { JobPayloadSeal } from './job-payload-seal';
import { JobSchedulerService } from './job-scheduler.service';
import { JobSource } from './job-source';
import { OwnerLimits } from './owner-limits';
import { PriorityAging } from './priority-aging';
import { QueueRegistry } from './queue-registry';

/** Gateway side: submit, find, cancel jobs. */
@Module({
  imports: [RegistryModule, StreamingModule, AccessModule],
  providers: [
    QueueRegistry,
    GridCapacity,
    JobSchedulerService,
    JobInspector,
    PriorityAging,
    GatewayPresence,
    FleetControl,
    OwnerLimits,
    JobPayloadSeal,
    FairShare,
    AffinityStore,
    AffinityPlanner,
    AvailabilityBoard,
  ],
  exports: [QueueRegistry, JobSchedulerService, JobInspector, FleetControl],
})
export class SchedulerModule {}

/** Worker side: take jobs into free slots. */
@Module({
  providers: [AvailabilityBoard, JobSource, JobPayloadSeal, FairShareSettlement, AffinityStore],
  exports: [JobSource, AvailabilityBoard, JobPayloadSeal, FairShareSettlement],
})
export class JobSourceModule {}
