/** The clonezilla module's readers that fixtures cannot reach (partclone's progress lines, the sizes an image records), and how progress is shown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progress, recordedSizes } from '../../modules/clonezilla/index.js';
import { plainRenderer } from '../../src/output/plain.js';

test('progress() reads the last partclone line of a job\'s output, \\r-separated as partclone writes them', () => {
  const text = 'Starting to clone device (/dev/vdd1) to image (-)\nElapsed: 00:00:01, Remaining: 00:00:03, Completed:  25.00%, Rate:  98.30MB/min, \rElapsed: 00:00:02, Remaining: 00:00:01, Completed:  66.67%, Rate: 390.48MB/min, \r';
  assert.deepEqual(progress(text), { percent: 66.67, rate: '390.48MB/min', text: '/dev/vdd1' });
  assert.deepEqual(progress('Completed: 100.00%\n'), { percent: 100 });
  assert.equal(progress('Saving the MBR data for vdd...\n'), undefined);
});

test('recordedSizes(): a disk from its parted dump (sectors or bytes), partitions from the sfdisk dump', () => {
  const files = {
    disk: 'vdd\n',
    parts: 'vdd1 vdd2\n',
    'vdd-pt.parted': 'Disk /dev/vdd: 196608s\nSector size (logical/physical): 512B/512B\n',
    'vdd-pt.sf': 'sector-size: 512\n\n/dev/vdd1 : start=        2048, size=       81920, type=L\n/dev/vdd2 : start=       83968, size=      110592, type=L\n',
  };
  assert.deepEqual(recordedSizes(files, 'restoredisk'), [{ name: 'vdd', bytes: 100663296 }]);
  assert.deepEqual(recordedSizes({ ...files, 'vdd-pt.parted': 'Disk /dev/vdd: 100663296B\n' }, 'restoredisk'), [{ name: 'vdd', bytes: 100663296 }]);
  assert.deepEqual(recordedSizes(files, 'restoreparts'), [{ name: 'vdd1', bytes: 41943040 }, { name: 'vdd2', bytes: 56623104 }]);
});

test('a progress event is one PROGRESS line in plain output', () => {
  let out = '';
  plainRenderer({ verbosity: 0, write: (s) => (out += s) })({ kind: 'progress', host: 'h1', task: 'Image the disk', percent: 66.67, rate: '390.48MB/min', text: '/dev/vdd1' });
  assert.equal(out, 'PROGRESS [h1]: Image the disk: /dev/vdd1 66.7% at 390.48MB/min\n');
});
