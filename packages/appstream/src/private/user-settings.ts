import * as appstream from 'aws-cdk-lib/aws-appstream';
import { UserSettings } from '../user-settings';

/** The defaults of the original system, and the AppStream action each setting controls. */
const SETTINGS: ReadonlyArray<{ readonly key: keyof UserSettings; readonly action: string; readonly enabledByDefault: boolean }> = [
  { key: 'clipboardCopyFromLocalDevice', action: 'CLIPBOARD_COPY_FROM_LOCAL_DEVICE', enabledByDefault: true },
  { key: 'clipboardCopyToLocalDevice', action: 'CLIPBOARD_COPY_TO_LOCAL_DEVICE', enabledByDefault: false },
  { key: 'fileUpload', action: 'FILE_UPLOAD', enabledByDefault: true },
  { key: 'fileDownload', action: 'FILE_DOWNLOAD', enabledByDefault: false },
  { key: 'printingToLocalDevice', action: 'PRINTING_TO_LOCAL_DEVICE', enabledByDefault: false },
  { key: 'domainPasswordSignIn', action: 'DOMAIN_PASSWORD_SIGNIN', enabledByDefault: true },
  { key: 'domainSmartCardSignIn', action: 'DOMAIN_SMART_CARD_SIGNIN', enabledByDefault: false },
];

/** The stack's `UserSettings` list: every action, given or defaulted, in a fixed order. */
export function userSettingsFor(settings: UserSettings = {}): appstream.CfnStack.UserSettingProperty[] {
  return SETTINGS.map(({ key, action, enabledByDefault }) => ({
    action,
    permission: (settings[key] ?? enabledByDefault) ? 'ENABLED' : 'DISABLED',
  }));
}
