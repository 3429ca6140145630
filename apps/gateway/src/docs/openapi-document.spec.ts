import type { OpenAPIObject } from '@nestjs/swagger';

import { OLLAMA_PREFIX_TAG, OLLAMA_TAG, separateOllamaPrefix } from './openapi-document';

function documentWith(paths: Record<string, { operationId: string; tags: string[] }>): OpenAPIObject {
  return {
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    paths: Object.fromEntries(
      Object.entries(paths).map(([path, op]) => [path, { get: { ...op, responses: {} } }]),
    ),
  };
}

describe(separateOllamaPrefix.name, () => {
  it('names the root and /ollama copies of a route apart and tags the prefixed one separately', () => {
    const sut = separateOllamaPrefix(
      documentWith({
        '/ollama/api/tags': { operationId: 'OllamaApiController_tags[0]', tags: [OLLAMA_TAG] },
        '/api/tags': { operationId: 'OllamaApiController_tags[1]', tags: [OLLAMA_TAG] },
      }),
    );
    expect(sut.paths['/api/tags'].get).toMatchObject({
      operationId: 'OllamaApiController_tags',
      tags: [OLLAMA_TAG],
    });
    expect(sut.paths['/ollama/api/tags'].get).toMatchObject({
      operationId: 'OllamaApiController_tags_ollamaPrefix',
      tags: [OLLAMA_PREFIX_TAG],
    });
  });

  it('leaves operations served at one path alone', () => {
    const sut = separateOllamaPrefix(
      documentWith({ '/admin/workers': { operationId: 'AdminController_workers', tags: ['Admin'] } }),
    );
    expect(sut.paths['/admin/workers'].get).toMatchObject({
      operationId: 'AdminController_workers',
      tags: ['Admin'],
    });
  });
});
