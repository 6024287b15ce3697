import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A header the upload request must carry.' })
export class HttpHeader {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType({ description: 'Where to send a file: `PUT uploadUrl` with `headers` and the bytes as the body, before `expiresAt`.' })
export class Upload {
  @Field(() => ID, { description: 'Pass it in `SendMessageInput.attachmentIds` once the bytes are sent.' })
  id!: string;

  @Field(() => String)
  uploadUrl!: string;

  @Field(() => [HttpHeader])
  headers!: HttpHeader[];

  @Field(() => Date)
  expiresAt!: Date;
}

@InputType()
export class CreateUploadInput {
  @Field(() => String, { description: "Shown to the chat; the checked type's extension is added when missing." })
  filename!: string;

  @Field(() => String, {
    description: 'The type the file claims (application/octet-stream when unknown). The bytes decide: a file that is not what it claims is refused.',
  })
  contentType!: string;

  @Field(() => Int, { description: 'Exactly the number of bytes that will be sent; at most UPLOAD_MAX_BYTES.' })
  size!: number;
}

@ObjectType({ description: 'A file sent with a message.' })
export class Attachment {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  filename!: string;

  @Field(() => String, { description: 'Read from the bytes, not taken from the name or the upload.' })
  contentType!: string;

  @Field(() => Int, { description: 'Bytes, as served (an image re-encoded without its metadata).' })
  size!: number;

  @Field(() => String, {
    nullable: true,
    description: "A short-lived signed link to the bytes; null for a viewer who is no longer in the chat. Fetching it checks membership again.",
  })
  url!: string | null;

  @Field(() => Int, { nullable: true, description: 'Images only.' })
  width!: number | null;

  @Field(() => Int, { nullable: true, description: 'Images only.' })
  height!: number | null;

  @Field(() => String, { nullable: true, description: 'Images only: a small WebP preview, linked like `url`.' })
  thumbnailUrl!: string | null;
}
