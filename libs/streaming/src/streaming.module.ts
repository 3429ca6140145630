import { Module } from '@nestjs/common';

import { LoopPacer } from './loop-pacer';
import { StreamOwnership } from './stream-ownership';
import { TokenStreamReader } from './token-stream.reader';
import { TokenStreamWriter } from './token-stream.writer';

@Module({
  providers: [TokenStreamReader, TokenStreamWriter, StreamOwnership, LoopPacer],
  exports: [TokenStreamReader, TokenStreamWriter, StreamOwnership, LoopPacer],
})
export class StreamingModule {}
