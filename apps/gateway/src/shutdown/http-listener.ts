import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';

/** The gateway's HTTP server socket, as far as shutdown needs it. */
@Injectable()
export class HttpListener {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Stops accepting connections and closes the idle kept-alive ones; open requests carry on. */
  stopAccepting(): void {
    const server = this.server();
    if (server?.listening) server.close();
  }

  /**
   * Closes every remaining connection. Called once nothing is in flight (or the grace period is over):
   * a socket kept alive from before the drain would otherwise hold the exit for its keep-alive timeout.
   */
  closeAllConnections(): void {
    this.server()?.closeAllConnections();
  }

  private server(): Server | undefined {
    return this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
  }
}
