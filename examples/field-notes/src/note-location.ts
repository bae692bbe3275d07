/** Where a note was written: what the SDK keeps in a note's `location` (contract item 11). */
export interface NoteLocation {
  readonly latitude: number;
  readonly longitude: number;
  readonly accuracyMeters?: number;
}

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
