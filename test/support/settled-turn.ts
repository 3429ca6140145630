import { postJson } from './test-grid';
import { waitFor } from './wait-for';

/** Where a chat turn ran and why (`x-gridllm-worker`, `x-gridllm-placement`). */
export interface Placed {
  worker: string | null;
  placement: string | null;
}

/** The workers' heartbeat interval in the test grid (WORKER_HEARTBEAT_INTERVAL's default). */
const HEARTBEAT_MS = 1000;

interface WorkerRow {
  id: string;
  runningJobs: number;
  lastHeartbeatAt: number;
}

/** A worker as GET /admin/workers lists it (its last heartbeat). */
export async function workerRow(gatewayUrl: string, workerId: string): Promise<WorkerRow | undefined> {
  const workers = (await (await fetch(`${gatewayUrl}/admin/workers`)).json()) as WorkerRow[];
  return workers.find((worker) => worker.id === workerId);
}

/**
 * A `stream:false` chat turn, returned once the next turn can be sent as a user who read the answer would
 * send it. The answer comes with the last chunk, before the worker has ended the job, freed its slot and
 * written the board; and the busy slots prefix affinity weighs come from heartbeats, which discount the
 * job that served the prefix when they came within an interval of it (busySlots). So this waits until
 * the job has ended and a heartbeat of its worker came more than an interval after that.
 */
export async function settledChatTurn(gatewayUrl: string, body: Record<string, unknown>): Promise<Placed> {
  const response = await postJson(`${gatewayUrl}/api/chat`, { ...body, stream: false });
  if (response.status !== 200) throw new Error(`chat answered ${response.status}: ${await response.text()}`);
  await response.text();
  const jobId = response.headers.get('x-gridllm-job-id');
  const worker = response.headers.get('x-gridllm-worker');
  await waitFor(`job ${jobId} to end`, async () => {
    const status = (await (await fetch(`${gatewayUrl}/inference/${jobId}/status`)).json()) as {
      state: string;
    };
    return status.state === 'completed';
  });
  const ended = Date.now();
  await waitFor(`a heartbeat of ${worker} an interval after job ${jobId}`, async () => {
    const row = await workerRow(gatewayUrl, worker ?? '');
    return row !== undefined && row.lastHeartbeatAt > ended + HEARTBEAT_MS;
  });
  return { worker, placement: response.headers.get('x-gridllm-placement') };
}
