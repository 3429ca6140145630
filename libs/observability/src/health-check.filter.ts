import { ArgumentsHost, Catch, ExceptionFilter, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';

/**
 * Terminus reports a failed check as a 503 whose body is the whole check result; keep that body (the
 * gateway's global filter would reduce it to Ollama's `{"error"}` shape). Bind it on health controllers.
 */
@Catch(ServiceUnavailableException)
export class HealthCheckFilter implements ExceptionFilter {
  catch(exception: ServiceUnavailableException, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    res.status(exception.getStatus()).json(exception.getResponse());
  }
}
