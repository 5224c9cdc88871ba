/**
 * The whole app's state, composed of parts with one job each: getting into a room and out
 * (`entry`: the start form and its flows), hosting (`hosting`), the conversation on screen
 * (`conversation`), the dialogs, and the stores the screens read (rooms, composer, alerts,
 * settings, files, discovery, recent servers, diagnostics). It builds and wires them, and
 * `start` subscribes them to the ParleyApi it is given (window.parley), the only way out.
 */
import type { ParleyApi, Unsubscribe } from '../../../shared/api';
import { LOBBY } from '../../../shared/limits';
import { AlertsState } from './alerts-state.svelte';
import { LeaveConfirm } from './leave-confirm.svelte';
import { LinkDeviceDialog } from './link-device-dialog.svelte';
import type { ChatState } from './chat-state.svelte';
import { ComposerState } from './composer-state.svelte';
import { MessageActions } from './message-actions.svelte';
import { ConversationState } from './conversation-state.svelte';
import { Conversations } from './conversations.svelte';
import { CreateRoomDialog } from './create-room-dialog.svelte';
import { DiagnosticsState } from './diagnostics-state.svelte';
import { DiscoveryState } from './discovery-state.svelte';
import { EntryState } from './entry-state.svelte';
import { FileTransfersState } from './file-transfers.svelte';
import { HostingState } from './hosting-state.svelte';
import { JoinRequestDialog } from './join-request-dialog.svelte';
import { PassphraseDialog } from './passphrase-dialog.svelte';
import { PinnedMessages } from './pinned-messages.svelte';
import { seenDirects } from './seen-directs';
import { adjacentConversation, conversationOrder } from './conversation-order';
import { MAX_CHOICES, QuickSwitcher } from './quick-switcher.svelte';
import { PresenceState } from './presence-state.svelte';
import { PeopleModeration } from './people-moderation.svelte';
import { PersonNameDialog } from './person-name-dialog.svelte';
import { RemovePersonDialog } from './remove-person-dialog.svelte';
import { DeleteRoomDialog } from './delete-room-dialog.svelte';
import { FindRoomDialog } from './find-room-dialog.svelte';
import { SearchState } from './search-state.svelte';
import { SavedServersState } from './saved-servers-state.svelte';
import { SettingsState } from './settings-state.svelte';
import { StatusDialog } from './status-dialog.svelte';

export class AppState {
  readonly runtime: ParleyApi['runtime'];
  /** The server's rooms, the ones joined (the lobby, rooms, direct conversations), the one shown. */
  readonly conversations = new Conversations();
  readonly composer: ComposerState;
  readonly discovery: DiscoveryState;
  readonly savedServers: SavedServersState;
  readonly diagnostics: DiagnosticsState;
  /** Nickname and notification preferences (the desktop app's settings file, or localStorage). */
  readonly settings: SettingsState;
  /** Unread counts, the title and badge, notifications. */
  readonly alerts: AlertsState;
  /** "Link a device": a one-time code for another device of this person. */
  readonly linkDevice: LinkDeviceDialog;
  /** Files being sent and downloaded, and image previews. */
  readonly files: FileTransfersState;
  readonly hosting: HostingState;
  /** Everyone's online, away or busy; this person's own, and away by itself when idle. */
  readonly presence: PresenceState;
  readonly statusDialog: StatusDialog;
  /** The room on screen and what can be done there. */
  readonly conversation: ConversationState;
  /** Edit, delete, reply, react, pin, jump to a quoted message. */
  readonly messageActions: MessageActions;
  /** The room's pinned messages, live. */
  readonly pinned: PinnedMessages;
  /** The start screen and the flows in and out of a room. */
  readonly entry: EntryState;
  readonly createRoom: CreateRoomDialog;
  readonly passphrase: PassphraseDialog;
  readonly removePerson: RemovePersonDialog;
  /** An admin's Rename and Release a name dialogs. */
  readonly personName: PersonNameDialog;
  /** The people list's Manage actions, for admins and moderators. */
  readonly peopleModeration: PeopleModeration;
  readonly deleteRoom: DeleteRoomDialog;
  readonly findRoom: FindRoomDialog;
  /** The "Search messages" panel. */
  readonly search: SearchState;
  readonly joinRequest: JoinRequestDialog;
  /** Ctrl+K: go to a room, a person or a server by typing. */
  readonly quickSwitcher: QuickSwitcher;
  /** "Leave room" and "Disconnect" ask first when an unsent draft would go with them. */
  readonly leaveConfirm: LeaveConfirm;
  /** A page of the people of a room (the join lists the first one only). */
  readonly listPeople: ParleyApi['chat']['listPeople'];
  /** The Settings dialog is open. */
  settingsOpen = $state(false);
  /** The keyboard shortcuts sheet is open. */
  shortcutsOpen = $state(false);

  constructor(api: ParleyApi) {
    this.runtime = api.runtime;
    this.listPeople = (query) => api.chat.listPeople(query);
    this.composer = new ComposerState(api.chat);
    this.discovery = new DiscoveryState(api.discovery);
    this.savedServers = new SavedServersState(api.servers);
    this.diagnostics = new DiagnosticsState(api.diagnostics);
    this.settings = new SettingsState(api.settings);
    this.hosting = new HostingState(api.hosting, api.runtime.canHost);
    this.presence = new PresenceState({
      chat: api.chat,
      awayAfterMs: () => this.settings.settings.awayAfterSeconds * 1000,
    });
    this.statusDialog = new StatusDialog(this.presence);
    this.alerts = new AlertsState({
      desktop: api.desktop,
      seenDirects: seenDirects(() => this.conversations.lobby.status.url),
      markRead: (room, id) => api.chat.markRead(room, id),
      reader: () => {
        const { lobby } = this.conversations;
        const self = lobby.self;
        if (!self) return null;
        return {
          self,
          preferences: this.settings.notifications,
          isDirect: (room) => this.conversations.isDirect(room),
        };
      },
      preferences: () => this.settings.notifications,
      busy: () => this.presence.busy,
      serverName: () => this.chat.serverName,
      // "alice in Design team"; the lobby goes by the server's name, a direct message by no room.
      roomName: (room) =>
        this.conversations.isDirect(room)
          ? undefined
          : room === LOBBY
            ? this.chat.serverName || undefined
            : this.conversations.nameOf(room),
      onopenroom: (room) => this.conversation.showRoom(room),
    });
    // Files go to the room on screen; while the connection is down they wait for it.
    this.files = new FileTransfersState(
      api.files,
      () => this.conversations.current.room,
      () => this.chat.status.state === 'connected',
    );
    this.conversation = new ConversationState({
      chat: api.chat,
      conversations: this.conversations,
      composer: this.composer,
      alerts: this.alerts,
      settings: this.settings,
      joinedUrl: () => this.entry.joinedUrl,
    });
    this.linkDevice = new LinkDeviceDialog(api.chat, () => this.entry.joinedUrl);
    this.messageActions = new MessageActions({
      chat: api.chat,
      selfId: () => this.chat.self?.id ?? null,
      // The host, an admin or a moderator may delete anyone's message.
      isHost: () => this.conversations.host || this.chat.self?.role !== undefined,
      room: () => this.conversations.current.room,
      holds: (id) => this.chat.messages.some((message) => message.id === id),
      hasOlder: () => this.chat.hasOlder,
      loadOlder: () => this.conversation.loadOlder(),
      onreply: (message) => this.composer.startReply(message),
    });
    this.pinned = new PinnedMessages({
      chat: api.chat,
      room: () => this.conversations.current.room,
      held: (room, id) =>
        this.conversations.joined
          .find((chat) => chat.room === room)
          ?.messages.find((message) => message.id === id),
    });
    this.createRoom = new CreateRoomDialog(api.chat, (room) => this.conversation.showRoom(room));
    this.removePerson = new RemovePersonDialog(api.chat.moderate);
    this.personName = new PersonNameDialog(api.chat.moderate);
    this.peopleModeration = new PeopleModeration(
      api.chat.moderate,
      this.removePerson,
      this.personName,
    );
    this.deleteRoom = new DeleteRoomDialog((room) => api.chat.deleteRoom(room));
    this.findRoom = new FindRoomDialog(api.chat, (room) => this.conversation.showRoom(room));
    this.search = new SearchState(api.chat, (room, messageId) =>
      this.conversation.openAt(room, messageId),
    );
    this.passphrase = new PassphraseDialog({
      busy: () => this.entry.busy !== null,
      onsubmit: (request, passphrase) => this.entry.submitPassphrase(request, passphrase),
    });
    this.entry = new EntryState({
      chat: api.chat,
      runtime: api.runtime,
      hosting: this.hosting,
      conversations: this.conversations,
      conversation: this.conversation,
      composer: this.composer,
      alerts: this.alerts,
      files: this.files,
      settings: this.settings,
      passphrase: this.passphrase,
      onleft: () => {
        this.leaveConfirm.cancel();
        this.removePerson.cancel();
        this.personName.close();
      },
    });
    this.quickSwitcher = new QuickSwitcher(
      {
        rooms: () => this.conversations.rooms,
        directs: () => this.conversations.directs,
        people: () => this.conversations.lobby.users,
        findPeople: async (query) => {
          if (!this.conversations.lobby.morePeople) return [];
          const page = await this.listPeople({ room: LOBBY, query, limit: MAX_CHOICES });
          return page.ok ? page.users : [];
        },
        selfId: () => this.conversations.lobby.self?.id ?? null,
        currentRoom: () => this.conversations.current.room,
        servers: () => this.savedServers.servers.filter((server) => this.#canReach(server.url)),
        currentServer: () => this.conversations.lobby.status.url,
      },
      {
        onroom: (room) => void this.conversation.enterRoom(room),
        onperson: (nickname) => void this.conversation.openDirect(nickname),
        onserver: (server) => void this.entry.switchServer(server),
      },
    );
    this.leaveConfirm = new LeaveConfirm({
      roomsWithDrafts: () => this.composer.roomsWithDrafts,
      leaveRoom: (room) => this.conversation.leaveRoom(room),
      disconnect: () => this.entry.leave(),
    });
    this.joinRequest = new JoinRequestDialog(api.links, {
      nickname: () => this.entry.nickname,
      busy: () => this.entry.busy !== null,
      onconfirm: (request) => this.entry.followJoinLink(request),
    });
  }

  /** The conversation on screen. */
  get chat(): ChatState {
    return this.conversations.current;
  }

  /**
   * The nicknames in the room on screen that contain `query`, as the server has them: what
   * @mentions offer while the people loaded are not everyone. None when it cannot be asked.
   */
  async findPeople(query: string): Promise<string[]> {
    const page = await this.listPeople({ room: this.chat.room, query, limit: 50 });
    return page.ok ? page.users.map((user) => user.nickname) : [];
  }

  /**
   * Alt+Up/Down: the previous or next conversation in the room list; with `unread`
   * (Alt+Shift+Up/Down), the nearest one with something unread. Going round at either end.
   */
  goToConversation(step: 1 | -1, unread = false): void {
    const { rooms, directs, current } = this.conversations;
    const room = adjacentConversation(
      conversationOrder(rooms, directs),
      current.room,
      step,
      unread ? (id) => this.alerts.unreadIn(id).messages > 0 : undefined,
    );
    if (room !== null) this.conversation.showRoom(room);
  }

  /** A page in a browser may talk only to its own server (its CSP says `connect-src 'self'`). */
  #canReach(url: string): boolean {
    if (this.runtime.kind !== 'web') return true;
    try {
      // Throwaway parses, not state.
      // eslint-disable-next-line svelte/prefer-svelte-reactivity
      return new URL(url).origin === new URL(this.runtime.defaultServerUrl ?? '').origin;
    } catch {
      return false;
    }
  }

  /** Subscribes the parts to the API's events; returns the disposer. */
  start(): Unsubscribe {
    const stops = [
      this.conversation.start(),
      this.pinned.start(),
      this.alerts.start(),
      this.presence.start(),
      this.hosting.start(),
      this.discovery.start(),
      this.savedServers.start(),
      this.joinRequest.start(),
    ];
    this.entry.loadNickname();
    this.entry.loadServedBy();
    return () => stops.forEach((stop) => stop());
  }
}
