/** The device's position for a note, through the Geolocation API. */
import type { NoteLocation } from 'keyhold-sdk';

/** The device's position, once (the browser asks the person first). Rejects with the GeolocationPositionError. */
export function currentLocation(): Promise<NoteLocation> {
  return new Promise((resolve, reject) => {
    navigator.geolocation.getCurrentPosition(
      ({ coords }) => resolve({ latitude: coords.latitude, longitude: coords.longitude, accuracyMeters: Math.round(coords.accuracy) }),
      reject,
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 },
    );
  });
}

/** "48.85837, 2.29448 (± 12 m)": five decimals are about a metre. */
export function describeLocation({ latitude, longitude, accuracyMeters }: NoteLocation): string {
  const place = `${latitude.toFixed(5)}, ${longitude.toFixed(5)}`;
  return accuracyMeters === undefined ? place : `${place} (± ${accuracyMeters} m)`;
}
