/**
 * What users of the quality-control desktop may move between their own device
 * and the streaming session, and how they may sign in.
 *
 * Every setting is optional; an omitted setting keeps the default of the
 * original system, which lets data in but not out: clipboard and files may come
 * from the local device, nothing may be copied, downloaded or printed to it.
 */
export interface UserSettings {
  /**
   * Whether users may paste from their local device into the session.
   *
   * @default true
   */
  readonly clipboardCopyFromLocalDevice?: boolean;

  /**
   * Whether users may copy from the session to their local device.
   *
   * @default false
   */
  readonly clipboardCopyToLocalDevice?: boolean;

  /**
   * Whether users may upload files from their local device to the session.
   *
   * @default true
   */
  readonly fileUpload?: boolean;

  /**
   * Whether users may download files from the session to their local device.
   *
   * @default false
   */
  readonly fileDownload?: boolean;

  /**
   * Whether users may print from the session to a printer of their local device.
   *
   * @default false
   */
  readonly printingToLocalDevice?: boolean;

  /**
   * Whether users of a domain-joined fleet may sign in with their domain password.
   *
   * @default true
   */
  readonly domainPasswordSignIn?: boolean;

  /**
   * Whether users of a domain-joined fleet may sign in with a smart card.
   *
   * @default false
   */
  readonly domainSmartCardSignIn?: boolean;
}
