import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_PAGE_SIZE } from '../cursor';

/** `?size=&cursor=` of every cursor-paged list of the admin API. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'size must be a whole number' })
  @Min(1, { message: 'size must be at least 1' })
  @Max(MAX_PAGE_SIZE, { message: `size must be at most ${MAX_PAGE_SIZE}` })
  size?: number;

  @ApiPropertyOptional({
    description:
      'nextCursor of the previous page (opaque; it does not expire). A cursor this list did not return, or one of another list or organization, is 400 naming cursor.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200, { message: 'cursor is not a cursor this API returned' })
  cursor?: string;
}
