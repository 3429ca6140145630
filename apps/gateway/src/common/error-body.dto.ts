import { ApiProperty } from '@nestjs/swagger';

/** Every error answer: Ollama's `{"error":"…"}` with `application/json`. */
export class ErrorBodyDto {
  @ApiProperty({ example: 'model "llama9" not found, try pulling it first' })
  error!: string;
}
