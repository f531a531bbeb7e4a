import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelopeTo: string[];
  parsed: ParsedMail;
}

/**
 * A real SMTP server on a random local port. `failWith` makes it refuse
 * messages (as a broken relay would) until cleared; `rejectRecipients` makes it
 * refuse every recipient at RCPT TO, naming the address as Postfix does.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  failWith: { code: number; message: string } | null = null;
  rejectRecipients = false;
  private server!: SMTPServer;
  port = 0;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (!this.rejectRecipients) return callback();
        const error = new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`) as Error & {
          responseCode: number;
        };
        error.responseCode = 550;
        callback(error);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          if (this.failWith) {
            const error = new Error(this.failWith.message) as Error & { responseCode: number };
            error.responseCode = this.failWith.code;
            return callback(error);
          }
          const parsed = await simpleParser(Buffer.concat(chunks));
          this.received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), parsed });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as { port: number }).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Messages received per recipient address. */
  countByRecipient(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const mail of this.received) for (const to of mail.envelopeTo) counts[to] = (counts[to] ?? 0) + 1;
    return counts;
  }

  clear(): void {
    this.received.length = 0;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
