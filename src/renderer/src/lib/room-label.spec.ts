import { describe, expect, it } from 'vitest';
import { roomLabel, type RoomLabelInput } from './room-label';

const design: RoomLabelInput = {
  name: 'Design',
  kind: 'room',
  joined: true,
  members: 2,
  unread: { messages: 0, mentions: 0 },
  away: false,
};

/** Lower case without punctuation, as axe's label-in-name rule compares names and labels. */
function words(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** What a person sees on the button: the name and the count (the sigil is punctuation). */
function visibleWords(room: RoomLabelInput): string {
  return words(`${room.name} ${roomLabel(room).badge ?? ''}`);
}

function spokenWords(room: RoomLabelInput): string {
  return words(roomLabel(room).name);
}

describe('roomLabel', () => {
  it('names a joined room with how many people are in it, as shown', () => {
    expect(roomLabel(design)).toEqual({
      badge: '2',
      unread: false,
      name: 'Design, 2 people here',
      description: '',
    });
    expect(roomLabel({ ...design, members: 1 }).name).toBe('Design, 1 person here');
  });

  it('says what is unread in the name, and the people in the description', () => {
    const label = roomLabel({ ...design, unread: { messages: 3, mentions: 1 } });
    expect(label).toEqual({
      badge: '3',
      unread: true,
      name: 'Design, 3 unread, 1 for you',
      description: '2 people here',
    });
    expect(roomLabel({ ...design, unread: { messages: 150, mentions: 0 } }).name).toBe(
      'Design, 99+ unread',
    );
  });

  it('offers to join a room not joined yet', () => {
    expect(roomLabel({ ...design, joined: false, members: 0 }).name).toBe(
      'Join Design, 0 people here',
    );
  });

  it('names a direct conversation by the person, and says when they are away', () => {
    const bob: RoomLabelInput = { ...design, name: 'bob', kind: 'direct', members: 0 };
    expect(roomLabel(bob)).toEqual({ badge: null, unread: false, name: 'bob', description: '' });
    expect(roomLabel({ ...bob, away: true }).description).toBe('away');
    expect(roomLabel({ ...bob, unread: { messages: 1, mentions: 1 } }).name).toBe(
      'bob, 1 unread, 1 for you',
    );
  });

  it('always contains the visible text in the accessible name', () => {
    const cases: RoomLabelInput[] = [
      design,
      { ...design, joined: false },
      { ...design, unread: { messages: 5, mentions: 0 } },
      { ...design, unread: { messages: 1000, mentions: 2 } },
      { ...design, kind: 'direct', name: 'erin', away: true },
    ];
    for (const room of cases) expect(spokenWords(room)).toContain(visibleWords(room));
  });
});
