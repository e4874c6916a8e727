import { ApiProperty } from '@nestjs/swagger';

/** The OpenAI error body (api-error.ts) as an OpenAPI schema. */
export class ErrorObjectDto {
  @ApiProperty()
  message!: string;

  @ApiProperty({ example: 'invalid_request_error' })
  type!: string;

  @ApiProperty({ type: 'string', nullable: true })
  param!: string | null;

  @ApiProperty({ type: 'string', nullable: true, example: 'invalid_audio' })
  code!: string | null;
}

/** The OpenAI error body every failure answers with. */
export class ErrorBodyDto {
  @ApiProperty({ type: ErrorObjectDto })
  error!: ErrorObjectDto;
}
