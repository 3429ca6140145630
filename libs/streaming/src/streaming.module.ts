import { Module } from '@nestjs/common';

import { TokenStreamReader } from './token-stream.reader';
import { TokenStreamWriter } from './token-stream.writer';

@Module({
  providers: [TokenStreamReader, TokenStreamWriter],
  exports: [TokenStreamReader, TokenStreamWriter],
})
export class StreamingModule {}
