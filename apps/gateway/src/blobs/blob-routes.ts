import type { NextFunction, Request, RequestHandler, Response } from 'express';

const BLOB_UPLOAD = /^\/(ollama\/)?api\/blobs\/[^/]+$/;

/** `POST /api/blobs/:digest` takes a raw body of up to BLOB_MAX_BYTES: no JSON parser may read it. */
export function isBlobUpload(req: Request): boolean {
  return req.method === 'POST' && BLOB_UPLOAD.test(req.path);
}

/** Runs `parser` on every request but blob uploads, which their route streams to the blob store. */
export function exceptBlobUploads(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) =>
    isBlobUpload(req) ? next() : parser(req, res, next);
}
