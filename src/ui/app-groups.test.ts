import { describe, expect, it } from 'vitest';
import { appLabel, groupByApp } from './app-groups';

const keyhold = { id: 'keyhold', name: 'Keyhold' };
const fieldNotes = { id: 'fieldnotes', name: 'Field notes' };
const gone = { id: 'tasks', name: null };
const device = (name: string, app: { id: string; name: string | null }, current = false) => ({ name, app, current });

describe('devices grouped by app', () => {
  it('puts the app of this device first, then the others by name, each keeping the list order', () => {
    const groups = groupByApp([
      device('Field phone', fieldNotes),
      device('Old tasks tablet', gone),
      device('Laptop', keyhold),
      device('This phone', keyhold, true),
      device('Field tablet', fieldNotes),
    ]);
    expect(groups.map((g) => [g.label, g.items.map((d) => d.name)])).toEqual([
      ['Keyhold', ['Laptop', 'This phone']],
      ['Field notes', ['Field phone', 'Field tablet']],
      ['tasks (no longer registered)', ['Old tasks tablet']],
    ]);
  });

  it('makes one group when every device is Keyhold’s', () => {
    expect(groupByApp([device('This phone', keyhold, true), device('Tablet', keyhold)]).map((g) => g.label)).toEqual(['Keyhold']);
    expect(groupByApp([])).toEqual([]);
  });

  it('names an app the server no longer lists by its id', () => {
    expect(appLabel(gone)).toBe('tasks (no longer registered)');
    expect(appLabel(fieldNotes)).toBe('Field notes');
  });
});
