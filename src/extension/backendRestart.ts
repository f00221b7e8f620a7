// A fresh backend when settings or the installed engines change — but never under a run or a sweep: then the restart
// waits until the last one ends (a stop mid-run would kill it and hide its failure).
import type { BackendClient } from './backendClient';
import type { RunStore } from './runStore';
import type { StatusBar } from './statusBar';

export class BackendRestart {
  private pending = false;

  constructor(private readonly client: BackendClient, private readonly store: RunStore, private readonly status: StatusBar) {
    // the end of a sweep counts too: its last member's end is not yet the sweep's
    store.onDidBecomeIdle(() => this.pending && void this.now());
  }

  /** Restart now if idle (resolves true once the old backend is gone), else once training ends (false). */
  request(): Promise<boolean> {
    this.pending = true;
    return this.now();
  }

  private async now(): Promise<boolean> {
    if (this.store.busy()) return false;
    this.pending = false;
    this.status.setEngine(undefined);
    this.status.idle();
    await this.client.stop();
    return true;
  }
}
