import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Swagger UI at /docs and the OpenAPI JSON at /docs-json, for every API family. */
export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('GridLLM gateway')
    .setDescription(
      'One Ollama-compatible URL in front of many workers. The Ollama API is served under /ollama and at the root; ' +
        'streaming endpoints answer NDJSON (application/x-ndjson, one JSON object per line). ' +
        'The native API (/inference) adds priorities, async jobs, status and replayable streams.',
    )
    .setVersion('0.1.0')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
