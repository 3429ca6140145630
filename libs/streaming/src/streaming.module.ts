import { Module } from '@nestjs/common';

import { StreamOwnership } from './stream-ownership';
import { TokenStreamReader } from './token-stream.reader';
import { TokenStreamWriter } from './token-stream.writer';

@Module({
  providers: [TokenStreamReader, TokenStreamWriter, StreamOwnership],
  exports: [TokenStreamReader, TokenStreamWriter, StreamOwnership],
})
export class StreamingModule {}
