import { ApiError } from './api';

/** The outcome of an action, announced to screen readers (role=status / alert). */
export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

/** What views need to act: whether the key may, and where to report. */
export interface Actions {
  admin: boolean;
  notify: (notice: Notice) => void;
}

/** Runs an action and reports how it went. */
export async function perform(
  actions: Actions,
  done: string,
  action: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await action();
    actions.notify({ kind: 'ok', text: done });
    return true;
  } catch (error) {
    const text = error instanceof ApiError ? `${error.status}: ${error.message}` : (error as Error).message;
    actions.notify({ kind: 'error', text: `Failed: ${text}` });
    return false;
  }
}

export function NoticeBar({ notice, onClose }: { notice: Notice | null; onClose: () => void }) {
  if (!notice) return <div class="notice-slot" role="status" />;
  return (
    <div class={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
      <span>{notice.text}</span>
      <button type="button" class="link" onClick={onClose} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}
