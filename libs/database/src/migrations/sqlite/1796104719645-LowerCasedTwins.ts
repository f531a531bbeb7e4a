import { MigrationInterface, QueryRunner } from 'typeorm';
import { addLowerCasedTwins, dropLowerCasedTwins } from '../lower-cased-twins';

const quote = (name: string) => `"${name}"`;

/** Lower-cased twins of the case-insensitive text columns (see ../lower-cased-twins.ts). */
export class LowerCasedTwins1796104719645 implements MigrationInterface {
  name = 'LowerCasedTwins1796104719645';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await addLowerCasedTwins(queryRunner, quote);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await dropLowerCasedTwins(queryRunner, quote);
  }
}
