import { BlobFetcher } from './blob-fetcher';

/** Fetches one blob of a create into `dir`; resolves with the local path of the verified file. */
export type BlobSource = (digest: string, dir: string) => Promise<string>;

/** Progress lines are written at most this often per blob (each is a Redis write). */
const PROGRESS_INTERVAL_MS = 250;

/**
 * The blobs of one create, fetched from the gateway's signed links, reporting Ollama-style pull progress
 * (`pulling <digest>` with total/completed) so the gateway can merge it like a pull's.
 */
export function blobSource(
  fetcher: BlobFetcher,
  links: Record<string, string>,
  onProgress: (line: string) => void,
  signal: AbortSignal,
): BlobSource {
  return (digest, dir) => {
    const link = links[digest];
    if (!link) return Promise.reject(new Error(`no download link for blob ${digest}`));
    let reportedAt = 0;
    const report = (completed: number, total: number) => {
      const now = Date.now();
      if (completed < total && now - reportedAt < PROGRESS_INTERVAL_MS) return;
      reportedAt = now;
      const status = `pulling ${digest.slice(7, 19)}`;
      onProgress(JSON.stringify({ status, digest, total, completed }));
    };
    return fetcher.fetch(link, digest, dir, report, signal);
  };
}
