import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, ValidateIf } from 'class-validator';

/** `PUT /admin/keys/:id/webhook`: a string sets, null clears, an absent field stays as it is. */
export class ChangeKeyWebhookDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'https://hooks.example.com/gridllm',
    description: "callback of the key's async jobs that name none",
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString({ message: 'url must be a string or null' })
  url?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "signs the key's callbacks (16-200 characters); write-only: never shown again",
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString({ message: 'secret must be a string or null' })
  @Length(16, 200, { message: 'secret must be 16 to 200 characters' })
  secret?: string | null;
}

export class KeyWebhookDto {
  @ApiProperty({ example: 'key_3f9a1c2b7d4e5f60' }) id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'https://hooks.example.com/gridllm' })
  url!: string | null;
  @ApiProperty({ description: 'whether the key has its own signing secret (the secret is never shown)' })
  secretSet!: boolean;
}
